"""A realistic synthetic grocery catalog and planogram, for the demo, benchmarks and load tests."""

from __future__ import annotations

import random
from typing import Any

from stores.floorplan.artifact import NavArtifact

# (department, English name, translations, storage, heavy, fragile)
BASE: list[tuple[str, str, dict[str, str], str, bool, bool]] = [
    ("Bakery", "Sourdough Bread", {"de": "Sauerteigbrot", "fr": "Pain au levain", "zh": "酸种面包", "ar": "خبز العجين المخمر"}, "ambient", False, True),
    ("Bakery", "Croissant", {"fr": "Croissant", "de": "Croissant"}, "ambient", False, True),
    ("Bakery", "Rye Bread", {"de": "Roggenbrot"}, "ambient", False, False),
    ("Bakery", "Bagels", {"es": "Bagels"}, "ambient", False, False),
    ("Produce", "Bananas", {"de": "Bananen", "es": "Plátanos", "zh": "香蕉", "ar": "موز"}, "ambient", False, False),
    ("Produce", "Apples", {"de": "Äpfel", "fr": "Pommes", "zh": "苹果", "ar": "تفاح"}, "ambient", False, False),
    ("Produce", "Tomatoes", {"de": "Tomaten", "es": "Tomates"}, "ambient", False, True),
    ("Produce", "Potatoes", {"de": "Kartoffeln", "fr": "Pommes de terre"}, "ambient", True, False),
    ("Produce", "Avocados", {"es": "Aguacates"}, "ambient", False, True),
    ("Pantry", "Olive Oil", {"es": "Aceite de oliva", "de": "Olivenöl", "ar": "زيت الزيتون"}, "ambient", True, True),
    ("Pantry", "Peanut Butter", {"de": "Erdnussbutter"}, "ambient", False, False),
    ("Pantry", "Honey", {"de": "Honig", "fr": "Miel", "ar": "عسل"}, "ambient", False, True),
    ("Breakfast", "Corn Flakes", {"de": "Cornflakes"}, "ambient", False, False),
    ("Breakfast", "Muesli", {"de": "Müsli"}, "ambient", False, False),
    ("Breakfast", "Porridge Oats", {"de": "Haferflocken"}, "ambient", False, False),
    ("Snacks", "Potato Chips", {"de": "Kartoffelchips", "fr": "Chips"}, "ambient", False, True),
    ("Snacks", "Dark Chocolate", {"de": "Zartbitterschokolade", "fr": "Chocolat noir", "zh": "黑巧克力"}, "ambient", False, False),
    ("Snacks", "Salted Pretzels", {"de": "Salzbrezeln"}, "ambient", False, False),
    ("Beverages", "Sparkling Water", {"de": "Mineralwasser", "fr": "Eau gazeuse", "ar": "مياه غازية"}, "ambient", True, False),
    ("Beverages", "Orange Juice", {"de": "Orangensaft", "es": "Zumo de naranja"}, "ambient", True, False),
    ("Beverages", "Ground Coffee", {"de": "Gemahlener Kaffee", "fr": "Café moulu", "zh": "咖啡粉"}, "ambient", False, False),
    ("Beverages", "Green Tea", {"zh": "绿茶", "ar": "شاي أخضر"}, "ambient", False, False),
    ("Household", "Laundry Detergent", {"de": "Waschmittel"}, "ambient", True, False),
    ("Household", "Paper Towels", {"de": "Küchenrolle"}, "ambient", False, False),
    ("Household", "Dish Soap", {"de": "Spülmittel"}, "ambient", False, False),
    ("Personal care", "Toothpaste", {"de": "Zahnpasta", "fr": "Dentifrice"}, "ambient", False, False),
    ("Personal care", "Shampoo", {"de": "Shampoo"}, "ambient", False, False),
    ("Baby", "Diapers", {"de": "Windeln"}, "ambient", True, False),
    ("Pet", "Dry Cat Food", {"de": "Katzentrockenfutter"}, "ambient", True, False),
    ("Canned goods", "Chopped Tomatoes", {"it": "Pomodori pelati", "de": "Gehackte Tomaten"}, "ambient", True, False),
    ("Canned goods", "Chickpeas", {"ar": "حمص", "es": "Garbanzos"}, "ambient", True, False),
    ("Pasta & rice", "Spaghetti", {"it": "Spaghetti"}, "ambient", False, False),
    ("Pasta & rice", "Basmati Rice", {"ar": "أرز بسمتي", "zh": "印度香米"}, "ambient", True, False),
    ("Baking", "Wheat Flour", {"de": "Weizenmehl", "fr": "Farine de blé"}, "ambient", True, False),
    ("Baking", "Cane Sugar", {"de": "Rohrzucker"}, "ambient", True, False),
    ("Spices", "Black Pepper", {"de": "Schwarzer Pfeffer"}, "ambient", False, False),
    ("Spices", "Paprika", {"hu": "Paprika"}, "ambient", False, False),
    ("Wine & spirits", "Red Wine", {"fr": "Vin rouge", "es": "Vino tinto"}, "ambient", True, True),
    ("Health", "Vitamin C Tablets", {"de": "Vitamin-C-Tabletten"}, "ambient", False, False),
    ("Dairy", "Whole Milk", {"de": "Vollmilch", "fr": "Lait entier", "zh": "全脂牛奶", "ar": "حليب كامل الدسم"}, "chilled", True, False),
    ("Dairy", "Greek Yogurt", {"el": "Γιαούρτι", "de": "Griechischer Joghurt"}, "chilled", False, False),
    ("Dairy", "Butter", {"de": "Butter", "fr": "Beurre"}, "chilled", False, False),
    ("Dairy", "Free-range Eggs", {"de": "Freilandeier", "fr": "Œufs plein air"}, "chilled", False, True),
    ("Meat", "Chicken Breast", {"de": "Hähnchenbrust", "ar": "صدر دجاج"}, "chilled", False, False),
    ("Meat", "Minced Beef", {"de": "Rinderhack"}, "chilled", False, False),
    ("Deli", "Smoked Salmon", {"de": "Räucherlachs", "fr": "Saumon fumé"}, "chilled", False, False),
    ("Deli", "Hummus", {"ar": "حمص بالطحينة"}, "chilled", False, False),
    ("Cheese", "Aged Gouda", {"nl": "Oude Gouda"}, "chilled", False, False),
    ("Cheese", "Crème Fraîche", {"fr": "Crème fraîche"}, "chilled", False, False),
    ("Frozen", "Frozen Peas", {"de": "Tiefkühlerbsen"}, "frozen", False, False),
    ("Frozen", "Vanilla Ice Cream", {"de": "Vanilleeis", "it": "Gelato alla vaniglia", "zh": "香草冰淇淋"}, "frozen", False, False),
    ("Frozen", "Frozen Pizza", {"it": "Pizza surgelata", "de": "Tiefkühlpizza"}, "frozen", False, False),
]  # fmt: skip

BRANDS = ["Fresh Market", "Alpenhof", "Nordic Farm", "La Huerta", "Golden Field", "Blue Bay", "Green Valley",
          "Maison Claire", "Sakura", "Oasis"]  # fmt: skip
SIZES = ["small", "", "family size"]


def _gtin13(n: int) -> str:
    body = f"400{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def synthetic_catalog(count: int = 3000, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` products: base items x brands x sizes, then numbered lines for large catalogs."""
    rng = random.Random(seed)
    products: list[dict[str, Any]] = []
    n = 0
    line = 0
    while len(products) < count:
        for department, name, names, storage, heavy, fragile in BASE:
            for brand in BRANDS:
                for size in SIZES:
                    if len(products) >= count:
                        return products
                    n += 1
                    label = " ".join(part for part in (name, size, f"No. {line}" if line else "") if part)
                    products.append({
                        "sku": f"SKU-{n:06d}", "name": label, "brand": brand, "department": department,
                        "gtin": _gtin13(n), "keywords": [department.lower()],
                        "names": {lang: f"{text} {size}".strip() for lang, text in names.items()} if rng.random() < 0.8 else {},
                        "storage": storage, "heavy": heavy, "fragile": fragile,
                    })  # fmt: skip
        line += 1
    return products


def synthetic_planogram(products: list[dict[str, Any]], artifact: NavArtifact, seed: int = 0) -> list[dict[str, Any]]:
    """Place ~90% of products on shelves of their department; ~3% carried but unplaced; ~5% on two shelves."""
    rng = random.Random(seed)
    by_department: dict[str, list[str]] = {}
    for shelf in artifact.shelves.values():
        by_department.setdefault((shelf.department or "").casefold(), []).append(shelf.id)
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for product in products:
        shelves = by_department.get(product["department"].casefold())
        roll = rng.random()
        if not shelves or roll < 0.07:
            continue
        stock = "in_stock" if rng.random() < 0.92 else rng.choice(["low", "out"])
        if roll < 0.10:
            rows.append({"sku": product["sku"], "shelf": None, "stock": stock})
            continue
        k = counters.get(product["department"], 0)
        counters[product["department"]] = k + 1
        picks = [shelves[k % len(shelves)]]
        if roll > 0.95 and len(shelves) > 1:
            picks.append(shelves[(k * 7 + 3) % len(shelves)])
        for shelf_id in dict.fromkeys(picks):
            length = artifact.shelves[shelf_id].length
            rows.append({"sku": product["sku"], "shelf": shelf_id, "position_m": round(rng.uniform(0, max(length - 0.01, 0.0)), 2),
                         "level": rng.randint(1, 5), "stock": stock})  # fmt: skip
    return rows

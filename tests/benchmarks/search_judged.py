"""A judged query set for product search (issue 17): what a shopper means by each query.

How it was made: the queries were written on 2026-12-01, before the ranking they measure was
changed, from what people type into a grocery app (generic names, plurals, typos, abbreviations,
German, French and Spanish words for everyday groceries). Each judgment is a rule about the
product, not about any search result:

- over the real catalog (``../shared/data/grocery-catalog``, 15,709 names of a US grocer, kept
  outside the project), a product is relevant when its name matches the query's pattern *and*
  the grocer itself filed it in one of the named aisles, so "peanut butter" means the spread
  (aisle "spreads"), not a peanut-butter bar (aisle "energy granola bars");
- over the demo catalog (catalog.synthetic, names in several languages), a product is relevant
  when it is one of the named base products ("Milch": Whole Milk, in any brand or size).

Products the grocer filed in no aisle ("missing", 470 of them) cannot be judged and are left
out of the benchmark's catalog (a decision taken after the first run, which had counted them as
never relevant).

Every fourth query of each part is held out: it was not looked at one by one while the ranking
was tuned, and the benchmark reports it apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Judged:
    query: str
    language: str
    #: Real catalog: the name pattern (case-insensitive) and the aisles. Demo: base names.
    pattern: str = ""
    aisles: frozenset[str] = frozenset()
    bases: frozenset[str] = frozenset()
    held_out: bool = False

    def relevant_real(self, name: str, aisle: str) -> bool:
        return aisle in self.aisles and re.search(self.pattern, name, re.IGNORECASE) is not None

    def relevant_demo(self, name: str) -> bool:
        return any(name == base or name.startswith(base + " ") for base in self.bases)


FRUIT = {"fresh fruits", "packaged vegetables fruits"}
VEG = {"fresh vegetables", "packaged vegetables fruits"}
CHEESE = {"packaged cheese", "specialty cheeses", "other creams cheeses"}

# (query, name pattern, aisles): English, over the real catalog.
_REAL: list[tuple[str, str, set[str]]] = [
    ("peanut butter", r"peanut butter", {"spreads"}),
    ("pear", r"\bpears?\b", {*FRUIT, "canned fruit applesauce"}),
    ("hot dogs", r"hot ?dog|frank|wiener", {"hot dogs bacon sausage"}),
    ("tortila chips", r"tortilla", {"chips pretzels"}),
    ("humus", r"hummus", {"fresh dips tapenades", "preserved dips spreads"}),
    ("icecream", r"ice cream", {"ice cream ice"}),
    ("oj", r"orange", {"juice nectars", "refrigerated", "frozen juice"}),
    ("milk", r"\bmilk\b", {"milk", "soy lactosefree"}),
    ("whole milk", r"\bwhole\b", {"milk"}),
    ("eggs", r"\beggs?\b", {"eggs"}),
    ("bread", r"\bbread\b", {"bread"}),
    ("sourdough bread", r"sourdough", {"bread"}),
    ("bagels", r"bagels?", {"breakfast bakery", "bread", "frozen breads doughs"}),
    ("bananas", r"banana", {"fresh fruits"}),
    ("banana", r"banana", {"fresh fruits"}),
    ("apples", r"\bapples?\b", FRUIT),
    ("avocado", r"avocado", {"fresh fruits", "fresh vegetables"}),
    ("tomatoes", r"tomato", {*VEG, "canned jarred vegetables"}),
    ("potatoes", r"potato", VEG),
    ("onions", r"onion", VEG),
    ("garlic", r"garlic", VEG),
    ("spinach", r"spinach", {*VEG, "frozen produce"}),
    ("strawberries", r"strawberr", {*FRUIT, "frozen produce"}),
    ("blueberries", r"blueberr", {*FRUIT, "frozen produce"}),
    ("lemons", r"lemon", {"fresh fruits"}),
    ("limes", r"\blimes?\b", {"fresh fruits"}),
    ("carrots", r"carrot", VEG),
    ("broccoli", r"broccoli", {*VEG, "frozen produce"}),
    ("cucumber", r"cucumber", VEG),
    ("olive oil", r"olive oil", {"oils vinegars"}),
    ("extra virgin olive oil", r"extra virgin", {"oils vinegars"}),
    ("butter", r"\bbutter\b", {"butter"}),
    ("greek yogurt", r"greek", {"yogurt"}),
    ("yogurt", r"yogh?urt", {"yogurt"}),
    ("cheddar cheese", r"cheddar", CHEESE),
    ("parmesan", r"parmesan|parmigiano", CHEESE),
    ("mozzarella", r"mozzarella", CHEESE),
    ("cream cheese", r"cream cheese", {"other creams cheeses"}),
    ("sour cream", r"sour cream", {"other creams cheeses", "cream"}),
    ("heavy cream", r"heavy|whipping", {"cream"}),
    ("coffee", r"coffee|espresso|roast", {"coffee"}),
    ("ground coffee", r"ground", {"coffee"}),
    ("green tea", r"green tea", {"tea"}),
    ("orange juice", r"orange", {"juice nectars", "refrigerated"}),
    ("sparkling water", r"sparkling|seltzer", {"water seltzer sparkling water"}),
    ("coca cola", r"coca|coke", {"soft drinks"}),
    ("beer", r"beer|\bale\b|lager|\bipa\b|pilsner|stout", {"beers coolers"}),
    ("red wine", r".", {"red wines"}),
    ("pasta", r".", {"dry pasta", "fresh pasta"}),
    ("spaghetti", r"spaghetti", {"dry pasta", "fresh pasta"}),
    ("penne", r"penne", {"dry pasta", "fresh pasta"}),
    ("rice", r"\brice\b", {"grains rice dried goods", "bulk grains rice dried goods", "instant foods"}),
    ("basmati rice", r"basmati", {"grains rice dried goods", "indian foods"}),
    ("flour", r"flour", {"baking ingredients"}),
    ("sugar", r"sugar", {"baking ingredients"}),
    ("honey", r"honey", {"honeys syrups nectars"}),
    ("maple syrup", r"maple", {"honeys syrups nectars"}),
    ("salt", r"\bsalt\b", {"spices seasonings"}),
    ("black pepper", r"black pepper|peppercorn", {"spices seasonings"}),
    ("ketchup", r"ketchup", {"condiments"}),
    ("mayonnaise", r"mayo", {"condiments"}),
    ("mayo", r"mayo", {"condiments"}),
    ("mustard", r"mustard", {"condiments"}),
    ("chicken breast", r"breast", {"packaged poultry", "poultry counter", "frozen meat seafood"}),
    ("ground beef", r"ground (beef|chuck)|beef.*ground", {"meat counter", "packaged meat", "frozen meat seafood"}),
    ("bacon", r"bacon", {"hot dogs bacon sausage"}),
    ("salmon", r"salmon", {"seafood counter", "packaged seafood", "frozen meat seafood", "canned meat seafood"}),
    ("tuna", r"tuna", {"canned meat seafood", "packaged seafood"}),
    ("tofu", r"tofu", {"tofu meat alternatives"}),
    ("cereal", r".", {"cereal"}),
    ("oatmeal", r"oat", {"hot cereal pancake mixes", "cereal"}),
    ("granola", r"granola", {"granola", "cereal"}),
    ("corn flakes", r"corn flakes", {"cereal"}),
    ("potato chips", r"potato|kettle", {"chips pretzels"}),
    ("pretzels", r"pretzel", {"chips pretzels"}),
    ("popcorn", r"popcorn", {"popcorn jerky"}),
    ("dark chocolate", r"dark", {"candy chocolate"}),
    ("chocolate", r"chocolate", {"candy chocolate"}),
    ("cookies", r"cookie", {"cookies cakes"}),
    ("crackers", r"cracker", {"crackers"}),
    ("almonds", r"almond", {"nuts seeds dried fruit"}),
    ("walnuts", r"walnut", {"nuts seeds dried fruit", "baking ingredients"}),
    ("raisins", r"raisin", {"nuts seeds dried fruit"}),
    ("frozen pizza", r"pizza", {"frozen pizza"}),
    ("pizza", r"pizza", {"frozen pizza"}),
    ("frozen peas", r"\bpeas\b", {"frozen produce"}),
    ("ice cream", r"ice cream", {"ice cream ice"}),
    ("vanilla ice cream", r"vanilla", {"ice cream ice"}),
    ("toilet paper", r"toilet|bath tissue", {"paper goods"}),
    ("paper towels", r"paper towel", {"paper goods"}),
    ("dish soap", r"dish", {"dish detergents"}),
    ("laundry detergent", r"detergent|laundry", {"laundry"}),
    ("toothpaste", r"toothpaste", {"oral hygiene"}),
    ("shampoo", r"shampoo", {"hair care"}),
    ("diapers", r"diaper", {"diapers wipes"}),
    ("cat food", r".", {"cat food care"}),
    ("dog food", r".", {"dog food care"}),
    ("tortillas", r"tortilla", {"tortillas flat bread"}),
    ("salsa", r"salsa", {"preserved dips spreads", "fresh dips tapenades", "latino foods"}),
    ("pasta sauce", r"sauce|marinara", {"pasta sauce"}),
    ("marinara", r"marinara", {"pasta sauce"}),
    ("soy sauce", r"soy sauce|tamari", {"asian foods", "condiments"}),
    ("chicken broth", r"chicken (broth|stock)", {"soup broth bouillon"}),
    ("canned tomatoes", r"tomato", {"canned jarred vegetables"}),
    ("black beans", r"black bean", {"canned meals beans"}),
    ("chickpeas", r"chickpea|garbanzo", {"canned meals beans", "bulk grains rice dried goods"}),
    ("vitamin c", r"vitamin c", {"vitamins supplements"}),
    ("bananna", r"banana", {"fresh fruits"}),
    ("straberries", r"strawberr", {*FRUIT, "frozen produce"}),
    ("avacado", r"avocado", {"fresh fruits", "fresh vegetables"}),
    ("brocoli", r"broccoli", {*VEG, "frozen produce"}),
    ("yoghurt", r"yogh?urt", {"yogurt"}),
    ("mozarella", r"mozzarella", CHEESE),
    ("spagetti", r"spaghetti", {"dry pasta", "fresh pasta"}),
    ("chedar", r"cheddar", CHEESE),
    ("cofee", r"coffee|espresso|roast", {"coffee"}),
    ("tooth paste", r"toothpaste", {"oral hygiene"}),
    ("evoo", r"extra virgin", {"oils vinegars"}),
    ("choc chip cookies", r"chocolate chip|choc chip", {"cookies cakes"}),
    ("mac and cheese", r"mac(aroni)? ?(&|and|n) ?cheese", {"instant foods", "frozen meals"}),
    ("soda", r".", {"soft drinks"}),
    ("chips", r"chip", {"chips pretzels"}),
    ("bbq sauce", r"bbq|barbecue", {"marinades meat preparation", "condiments"}),
    ("hot dog buns", r"hot ?dog", {"buns rolls"}),
    ("burger buns", r"hamburger|burger", {"buns rolls"}),
    ("english muffins", r"english muffin", {"breakfast bakery"}),
]

# (query, language, base names): over the demo catalog.
_DEMO: list[tuple[str, str, set[str]]] = [
    ("Milch", "de", {"Whole Milk"}),
    ("Vollmilch", "de", {"Whole Milk"}),
    ("Brot", "de", {"Sourdough Bread", "Rye Bread"}),
    ("Sauerteigbrot", "de", {"Sourdough Bread"}),
    ("Eier", "de", {"Free-range Eggs"}),
    ("Butter", "de", {"Butter"}),
    ("Erdnussbutter", "de", {"Peanut Butter"}),
    ("Kaffee", "de", {"Ground Coffee"}),
    ("Tomaten", "de", {"Tomatoes", "Chopped Tomatoes"}),
    ("Kartoffeln", "de", {"Potatoes"}),
    ("Bananen", "de", {"Bananas"}),
    ("Banane", "de", {"Bananas"}),
    ("Äpfel", "de", {"Apples"}),
    ("Apfel", "de", {"Apples"}),
    ("Olivenöl", "de", {"Olive Oil"}),
    ("Honig", "de", {"Honey"}),
    ("Müsli", "de", {"Muesli"}),
    ("Musli", "de", {"Muesli"}),
    ("Haferflocken", "de", {"Porridge Oats"}),
    ("Schokolade", "de", {"Dark Chocolate"}),
    ("Brezeln", "de", {"Salted Pretzels"}),
    ("Orangensaft", "de", {"Orange Juice"}),
    ("Saft", "de", {"Orange Juice"}),
    ("Waschmittel", "de", {"Laundry Detergent"}),
    ("Zahnpasta", "de", {"Toothpaste"}),
    ("Windeln", "de", {"Diapers"}),
    ("Katzenfutter", "de", {"Dry Cat Food"}),
    ("Mehl", "de", {"Wheat Flour"}),
    ("Zucker", "de", {"Cane Sugar"}),
    ("Pfeffer", "de", {"Black Pepper"}),
    ("Joghurt", "de", {"Greek Yogurt"}),
    ("Lachs", "de", {"Smoked Salmon"}),
    ("Hähnchen", "de", {"Chicken Breast"}),
    ("Eis", "de", {"Vanilla Ice Cream"}),
    ("Erbsen", "de", {"Frozen Peas"}),
    ("Reis", "de", {"Basmati Rice"}),
    ("lait", "fr", {"Whole Milk"}),
    ("pain", "fr", {"Sourdough Bread"}),
    ("beurre", "fr", {"Butter"}),
    ("oeufs", "fr", {"Free-range Eggs"}),
    ("pommes", "fr", {"Apples"}),
    ("pommes de terre", "fr", {"Potatoes"}),
    ("chocolat", "fr", {"Dark Chocolate"}),
    ("café", "fr", {"Ground Coffee"}),
    ("miel", "fr", {"Honey"}),
    ("farine", "fr", {"Wheat Flour"}),
    ("vin rouge", "fr", {"Red Wine"}),
    ("saumon", "fr", {"Smoked Salmon"}),
    ("dentifrice", "fr", {"Toothpaste"}),
    ("eau gazeuse", "fr", {"Sparkling Water"}),
    ("croissant", "fr", {"Croissant"}),
    ("creme fraiche", "fr", {"Crème Fraîche"}),
    ("platanos", "es", {"Bananas"}),
    ("tomates", "es", {"Tomatoes"}),
    ("aceite de oliva", "es", {"Olive Oil"}),
    ("aguacates", "es", {"Avocados"}),
    ("zumo de naranja", "es", {"Orange Juice"}),
    ("garbanzos", "es", {"Chickpeas"}),
    ("vino tinto", "es", {"Red Wine"}),
]

REAL = [
    Judged(query, "en", pattern=pattern, aisles=frozenset(aisles), held_out=i % 4 == 3)
    for i, (query, pattern, aisles) in enumerate(_REAL)
]
DEMO = [
    Judged(query, language, bases=frozenset(bases), held_out=i % 4 == 3)
    for i, (query, language, bases) in enumerate(_DEMO)
]

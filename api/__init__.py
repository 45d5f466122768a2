"""HTTP API: app factory, controllers, guards, problem details."""

"""The web application: composes each capability's routes, pages and security middleware."""

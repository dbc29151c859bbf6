"""GraphQL types of the graph, one module per service, plus the countries that join them."""

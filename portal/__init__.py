"""The public transparency portal: server-rendered pages that read only the GraphQL gateway."""

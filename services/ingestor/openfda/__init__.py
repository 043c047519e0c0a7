"""openFDA drug/event (FAERS): NDC forms, the HTTP client, its cache and shared rate limit."""

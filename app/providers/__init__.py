"""Provider-neutral model and one package per assessment provider."""

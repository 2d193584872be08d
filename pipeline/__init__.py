"""The jobs and the one CLI (`chuyenmuc`): uses crawlers/, nlp/, warehouse/ and registry/."""

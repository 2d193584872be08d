"""The offline demo province web: realistic sites of the plan's units, served on loopback, with ground truth."""

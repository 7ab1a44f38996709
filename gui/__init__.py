"""FactorDesk's Qt front end: collects inputs, runs analytics jobs on the pool, renders results."""

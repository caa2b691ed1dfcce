"""Pages of the goal chain, one module per concept."""

"""LibCST building blocks shared by the rules' fixes."""

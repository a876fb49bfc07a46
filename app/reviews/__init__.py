"""Review and decide: each reviewer's ratings and notes per invitation, and the decision trail."""

"""Staff: support agents, dispatchers and admins, the customer care they do, and its audit trail."""

"""The ERO rule on disconnection and reconnection: each supply point's case and the rights."""

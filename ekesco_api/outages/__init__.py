"""Areas and planned outages."""

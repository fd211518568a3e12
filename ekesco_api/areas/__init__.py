"""The area tree of the network: cities → localities → neighbourhoods, named in sq/sr/en."""

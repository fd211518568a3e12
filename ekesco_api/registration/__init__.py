"""Registration: a new account on a customer code, its verification codes and their delivery."""

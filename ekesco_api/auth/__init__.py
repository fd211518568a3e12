"""Registration, verification codes, login, token refresh and password care."""

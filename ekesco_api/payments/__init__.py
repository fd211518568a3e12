"""Payments: those made elsewhere (from the CIS) and the app's own.

An app payment's life: `intents` stores it pending, once per Idempotency-Key, and sends the
customer to the bank's card page (`gateway`); the bank's signed `callback` marks it succeeded or
failed, once; `housekeeping` expires the intents nobody finished; `cis_export` hands a day's
succeeded payments to the CIS, and until the CIS brings them back the `ledger` counts them as
pending. The customer reads them through `history` and `receipts`.
"""

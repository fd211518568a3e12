"""The errors of the payments domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class PaymentNotFound(ApiError):
    """Another account's payment answers exactly like one that does not exist."""

    status = 404
    code = "not_found"
    title = _l("This payment is not on your account.")


class IdempotencyKeyMissing(ApiError):
    status = 400
    code = "idempotency_key_missing"
    title = _l("Send an Idempotency-Key header with this request.")


class IdempotencyKeyInvalid(ApiError):
    status = 400
    code = "idempotency_key_invalid"
    title = _l("The Idempotency-Key must be 1 to 64 visible ASCII characters.")


class IdempotencyKeyReused(ApiError):
    status = 409
    code = "idempotency_key_reused"
    title = _l("This Idempotency-Key was already used with a different request.")


class PaymentNotSucceeded(ApiError):
    status = 409
    code = "payment_not_succeeded"
    title = _l("A receipt exists only for a payment that succeeded.")


class SignatureInvalid(ApiError):
    status = 400
    code = "signature_invalid"
    title = _l("The signature of this callback is not valid.")


class TimestampOutOfRange(ApiError):
    status = 400
    code = "timestamp_out_of_range"
    title = _l("The callback's timestamp is more than 5 minutes away from now.")


class AmountMismatch(ApiError):
    status = 400
    code = "amount_mismatch"
    title = _l("The amount or currency differs from the payment's.")


class CallbackPaymentUnknown(ApiError):
    status = 404
    code = "not_found"
    title = _l("No payment with this id.")


class BankReferenceTaken(ApiError):
    status = 409
    code = "bank_reference_taken"
    title = _l("This bank reference belongs to another payment.")

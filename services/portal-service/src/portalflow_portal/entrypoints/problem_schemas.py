"""The error answers of the customer API, as its OpenAPI document lists them."""

from portalflow_eventing.problems import responses

_EVERY_ROUTE = {
    400: "A header or the body is malformed (e.g. Accept-Language); `detail` names it.",
    401: "No portal access token, or one that is not valid.",
    404: "No such opportunity for this token, or nothing of that id.",
    422: "A value is not accepted; each of `errors` names one by `loc`.",
    429: "Too many requests or streams for this token: wait for `Retry-After` seconds.",
    431: "The request's headers are too large or too many.",
    503: "The database is not reachable at the moment: retry after `Retry-After` seconds.",
}
READS = responses(_EVERY_ROUTE)
"""The answers of the routes that only read."""
ACTIONS = responses({
    **_EVERY_ROUTE,
    409: "The action does not fit the current step.",
    413: "The body or the file is larger than the limit.",
    415: "The bytes are not a PDF, JPEG, PNG, HEIC or WebP.",
})
"""The answers of the routes that act, uploads among them."""

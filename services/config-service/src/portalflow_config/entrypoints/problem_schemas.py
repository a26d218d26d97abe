"""The error answers of the admin API, as its OpenAPI document lists them on every route."""

from portalflow_eventing.problems import responses

REFUSALS = responses({
    400: "A header or the body is malformed (e.g. If-Match not an ETag of this API).",
    401: "No bearer token, or one that is not valid; `detail` names the claim at fault.",
    403: "The token lacks the permission this route needs.",
    404: "Nothing of that id in the token's org.",
    409: "The change does not fit what is stored (archived, in use, a concurrent change).",
    412: "If-Match names a version that is no longer the current one: reload it.",
    413: "The body or the upload is larger than the limit.",
    415: "The upload's bytes are not of a type accepted.",
    422: "A value is not accepted; each of `errors` names one by `loc`.",
    429: "Too many requests for this token: wait for `Retry-After` seconds.",
    431: "The request's headers are too large or too many.",
    503: "The database is not reachable at the moment: retry after `Retry-After` seconds.",
})

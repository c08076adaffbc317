"""The imgkit exception and warning tree.

Every error imgkit raises on purpose derives from :class:`ImgkitError`; the leaves
also inherit the builtin that fits (as ``requests`` does), so ``except ValueError``
keeps working in code that does not know imgkit.

::

    ImgkitError
    ├── SourceError(ImgkitError, ValueError)      unreadable / malformed input
    ├── SchemaError(ImgkitError, ValueError)      typing / validation findings (errors="raise")
    ├── ApiError(ImgkitError, RuntimeError)       an HTTP error from the image API
    │   └── AuthError(ApiError)                   authentication failed
    ├── PaginationError(ImgkitError, RuntimeError) unsafe or looping pagination
    └── ConfigError(ImgkitError, ValueError)      bad configuration (endpoint, clouds.yaml, options)

    ImgkitWarning(UserWarning)                    recorded coercions (errors="warn")
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "ImgkitError",
    "ImgkitWarning",
    "PaginationError",
    "SchemaError",
    "SourceError",
]


class ImgkitError(Exception):
    """Root of every exception imgkit raises on purpose.

    ``except imgkit.ImgkitError`` catches them all; each leaf also inherits the builtin that fits
    (``ValueError`` or ``RuntimeError``).

    Examples
    --------
    >>> try:
    ...     imgkit.read_images(b"{not json")
    ... except imgkit.ImgkitError as exc:
    ...     type(exc).__name__, isinstance(exc, ValueError)
    ('SourceError', True)
    """


class SourceError(ImgkitError, ValueError):
    """An input that cannot be read as an image listing.

    Parameters
    ----------
    message : str
        What is wrong; the exception's text is ``"<source>[, line L, column C]: <message>"``.

    Attributes
    ----------
    source : str
        A description of the input (a path, ``"<str>"``, ``"page 3"``...).
    line, column : int or None
        Position of a JSON syntax error, when known (1-based).

    Examples
    --------
    >>> try:
    ...     imgkit.read_images(b'{"images": [null]}')
    ... except imgkit.SourceError as exc:
    ...     print(exc)
    <bytes>: image #1 is null, not an object
    >>> str(SourceError("malformed JSON", source="listing.json", line=3, column=7))
    'listing.json, line 3, column 7: malformed JSON'
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        where = source or "<input>"
        if line is not None:
            where += f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


class SchemaError(ImgkitError, ValueError):
    """Values that do not satisfy the schema, with every :term:`finding` at once (``errors="raise"``).

    Parameters
    ----------
    message : str
        The counts of findings per rule and column.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per finding: ``source``, ``image_id``, ``column``, ``field``,
        ``value``, ``rule``, ``action``.

    Examples
    --------
    >>> listing = {"images": [{"id": "a", "name": "web", "min_disk": "abc"}]}
    >>> try:
    ...     imgkit.read_images(listing, errors="raise", dialect="glance")
    ... except imgkit.SchemaError as exc:
    ...     found = exc.findings
    >>> sorted(found["rule"].unique())  # this image also lacks the mandatory fields
    ['mandatory', 'untypable']
    >>> found.loc[found["rule"] == "untypable", ["image_id", "column", "value"]].iloc[0].tolist()
    ['a', 'min_disk', 'abc']
    """

    def __init__(self, message: str, *, findings: Any = None) -> None:
        self.findings = findings
        super().__init__(message)


class ApiError(ImgkitError, RuntimeError):
    """An error answer from the image API (or its gateway).

    Attributes
    ----------
    status : int or None
        HTTP status code (None for a connection failure).
    code : str or None
        The service's error code (``IMG.0024``, ``APIGW.0308``...).
    message : str
        The service's message, or the start of the body when it had none.
    request_id : str or None
        ``X-Request-Id`` / ``X-Openstack-Request-Id`` of the failing request.
    url : str or None
        The URL requested, without credentials.
    retry_after : float or None
        Seconds the server asked to wait (``Retry-After``), if any.
    method : str or None
        The HTTP method of the failing request.

    Examples
    --------
    >>> str(ApiError("The imagetype is invalid.", status=400, code="IMG.0024", url="https://ims.example/v2/images",
    ...              method="GET", request_id="req-1"))
    'HTTP 400 IMG.0024: The imagetype is invalid. (GET https://ims.example/v2/images) [request id req-1]'
    >>> str(ApiError("Unauthorized", status=401, code="401"))  # a code that only repeats the status is not repeated
    'HTTP 401: Unauthorized'
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.url = url
        self.retry_after = retry_after
        self.method = method
        parts = [f"HTTP {status}" if status is not None else "request failed"]
        if code and not (status is not None and str(code).split(" ")[0] == str(status)):
            parts.append(str(code))
        text = " ".join(parts) + f": {message}"
        if url:
            text += f" ({method} {url})" if method else f" ({url})"
        if request_id:
            text += f" [request id {request_id}]"
        super().__init__(text)


class AuthError(ApiError):
    """Authentication failed (bad credentials, expired token after one re-authentication).

    Takes the parameters of :class:`ApiError`.

    Examples
    --------
    >>> exc = AuthError("The request you have made requires authentication.", status=401)
    >>> isinstance(exc, ApiError), exc.status
    (True, 401)
    """


class PaginationError(ImgkitError, RuntimeError):
    """Pagination that imgkit refuses to follow: a loop, a cross-host link, a stale marker.

    Raised by :func:`imgkit.fetch_images` and :func:`imgkit.fetch_servers` before any request is sent to
    another origin, and when ``max_pages`` is passed.

    Examples
    --------
    >>> issubclass(PaginationError, RuntimeError)
    True
    """


class ConfigError(ImgkitError, ValueError):
    """A bad option, endpoint, environment or ``clouds.yaml`` entry.

    Examples
    --------
    >>> try:
    ...     imgkit.resolve_as_of(imgkit.load_demo(), "soon")
    ... except imgkit.ConfigError as exc:
    ...     isinstance(exc, ValueError)
    True
    """


class ImgkitWarning(UserWarning):
    """A recorded, documented coercion (``errors="warn"``): one warning per read, with the counts.

    Every :term:`finding` behind it stays in ``df.attrs["imgkit"]`` (:func:`imgkit.validate`).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     df = imgkit.read_images({"images": [{"id": "a", "name": "web", "min_disk": "abc"}]}, dialect="glance")
    >>> [w.category.__name__ for w in caught], df["min_disk"].isna().all()
    (['ImgkitWarning'], np.True_)
    """

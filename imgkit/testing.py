"""Testing helpers for code that produces image frames (geopandas' ``testing`` pattern).

``imgkit.testing.assert_image_frame_equal`` compares two typed image frames the way a user means "the same
listing": the same columns with the same dtypes and values, and the same validation findings.
"""

from __future__ import annotations

import pandas as pd

from imgkit.validate import validate

__all__ = ["assert_image_frame_equal"]


def _by_id(df: pd.DataFrame) -> pd.DataFrame:
    if "id" not in df.columns:
        raise AssertionError("an image frame has an 'id' column")
    return df.sort_values("id", kind="stable").reset_index(drop=True)


def assert_image_frame_equal(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    check_row_order: bool = True,
    check_column_order: bool = True,
    check_findings: bool = True,
) -> None:
    """Raise ``AssertionError`` unless two image frames hold the same images, typed the same way.

    Parameters
    ----------
    left, right : pandas.DataFrame
        Frames from :func:`imgkit.read_images`, :func:`imgkit.fetch_images` or :func:`imgkit.load_demo`.
    check_row_order : bool, default True
        False compares the images sorted by ``id``.
    check_column_order : bool, default True
        False ignores the order of the columns (their names, dtypes and values still count).
    check_findings : bool, default True
        Also compare :func:`imgkit.validate` of both frames (rule, image id, column, value), ignoring the
        source names and row positions they were found at.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        With pandas' description of the first difference (a column, a dtype, a value, or a finding).

    Examples
    --------
    >>> from imgkit.testing import assert_image_frame_equal
    >>> a = imgkit.read_images({"images": [{"id": "x", "min_disk": "40"}, {"id": "y"}]}, errors="ignore")
    >>> b = imgkit.read_images({"images": [{"id": "y"}, {"id": "x", "min_disk": 40}]}, errors="ignore")
    >>> assert_image_frame_equal(a, b, check_row_order=False)
    >>> assert_image_frame_equal(a, b)
    Traceback (most recent call last):
    ...
    AssertionError: DataFrame.iloc[:, 0] (column name="id") are different
    ...
    """
    lhs, rhs = (left, right) if check_row_order else (_by_id(left), _by_id(right))
    pd.testing.assert_frame_equal(
        lhs.reset_index(drop=True), rhs.reset_index(drop=True), check_like=not check_column_order
    )
    if check_findings:
        keys = ["rule", "image_id", "column", "value"]
        lf, rf = validate(left), validate(right)
        lf = lf[keys].astype(str).sort_values(keys).reset_index(drop=True)
        rf = rf[keys].astype(str).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(lf, rf, obj="findings")

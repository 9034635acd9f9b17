"""Imports (批量导入): customers and purchases from a workspace's spreadsheets, as a job with progress.

- ``models``: one :class:`ImportRun` per upload and one :class:`ImportProblem` per bad cell
- ``tabular``: reading CSV (UTF-8 or GB18030) and XLSX row by row
- ``rows``: a row's cells parsed and checked against the mapping and the custom fields
- ``importer``: storing the upload, the job (check pass, write pass), rejects, old files
"""

from saas.core.imports.models import ImportKind, ImportProblem, ImportRun, ImportStatus

__all__ = ["ImportKind", "ImportProblem", "ImportRun", "ImportStatus"]

"""Regenerate codelists/CL_AREA_MX.csv from mcp-inegi (see sdmx_tools/territory/build.py).

    python scripts/build_area_codelist.py            # write the files
    python scripts/build_area_codelist.py --check    # exit 1 if they are out of date
"""

from __future__ import annotations

import sys

from sdmx_tools.territory.build import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m contract_tests [pytest args...]`, same as the `mockrestd-contract` script."""

import sys

from contract_tests.cli import main

sys.exit(main())

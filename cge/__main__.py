import sys

from cge.cli import main

sys.exit(main())

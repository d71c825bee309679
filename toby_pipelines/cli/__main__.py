import sys

from toby_pipelines.cli import main

sys.exit(main())

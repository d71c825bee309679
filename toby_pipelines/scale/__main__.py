import sys

from toby_pipelines.scale.bench import main

sys.exit(main())

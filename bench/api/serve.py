"""Run the imcap app under uvicorn for the benchmark: ``python -m bench.api.serve URL PORT``."""

import sys

import uvicorn

from imcap.web import Settings, create_app

if __name__ == "__main__":
    url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(create_app(url, Settings.from_env()), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)

import argparse
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--name", default="World")
    print(f"Hello, {p.parse_args().name}!")
    app.run(host="0.0.0.0", port=5000)

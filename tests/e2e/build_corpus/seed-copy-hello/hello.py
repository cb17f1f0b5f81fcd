print("hello docker")

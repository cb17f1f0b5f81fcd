print("hello, docker")

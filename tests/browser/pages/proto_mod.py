def hello():
    return "hello from module"

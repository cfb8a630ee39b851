"""placeholder"""
def load_msh(path):
    raise NotImplementedError

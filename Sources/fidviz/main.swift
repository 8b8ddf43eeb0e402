print("fidviz")

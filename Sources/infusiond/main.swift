print("infusiond")

print("infusionctl")

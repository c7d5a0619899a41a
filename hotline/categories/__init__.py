"""The category tree (三级分类): codes such as ``CX.01.03`` with Chinese names."""

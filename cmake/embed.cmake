# embed.cmake -- turn a text file into a C string (used to carry model_abi.h into the library
# so that a user's model can be compiled at run time without an installed header).
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* Generated from ${IN} by cmake/embed.cmake; do not edit. */\n"
  "const char ${SYMBOL}[] = {${bytes} 0x00};\n")

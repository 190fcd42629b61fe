// topic_spec has no out-of-line members yet; the loader lives in topic_file.cpp.
#include "sito/model/topic.hpp"

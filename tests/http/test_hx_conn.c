#include "th.h"

// The program's one global gSOAP namespace table. The three generated .nsmap
// files are identical (one soapcpp2 run); exactly one of them may be included
// anywhere in the program, and this is that place.
#include "WorkOrderBinding.nsmap"
#include "soapH.h"

#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>

/* The level buffer igzip needs at each compression level (its DEFAULT sizes), as a function,
   since Swift does not import the header's composite macros. */
static inline unsigned int popvault_isal_level_buffer_size(unsigned int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return ISAL_DEF_LVL0_DEFAULT;
    }
}

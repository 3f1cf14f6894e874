/* placeholder until the real module lands */
typedef int placeholder_unused_t;

/* placeholder until the module lands */
typedef int akari_placeholder_display;

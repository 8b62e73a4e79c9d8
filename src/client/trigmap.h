/* trigmap — `postern knock --trigger NAME|ID`: a knock carries a trigger's
 * number (1..255), not its name. A number is used as it is; a name is
 * looked up in a local map file, one "NAME ID" (or "NAME = ID") per line,
 * '#' comments, the lines `posternd --check-config -v` prints as
 * "[trigger NAME]" / "id = N" transcribed by the admin. Default file:
 * ~/.config/postern/triggers. */
#ifndef POSTERN_TRIGMAP_H
#define POSTERN_TRIGMAP_H

#include <stddef.h>

/* Resolves what (a number or a name, with map_path or the default map) to
 * an id in 1..255. Returns the id, or 0 with a message in why. */
unsigned trigmap_resolve(const char *what, const char *map_path, char *why, size_t len);

#endif

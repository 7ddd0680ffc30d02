/*
 * event2/visibility.h: the markers that libevent's headers put in front of
 * every public function.
 *
 * libevkit is a static library, so nothing needs exporting and both
 * markers expand to nothing.  They exist so that code which names them
 * (some programs do, for their own wrappers) still compiles.
 */
#ifndef EVENT2_VISIBILITY_H_INCLUDED_
#define EVENT2_VISIBILITY_H_INCLUDED_

#include <event2/event-config.h>

#ifndef EVENT2_EXPORT_SYMBOL
#define EVENT2_EXPORT_SYMBOL
#endif

#ifndef EVENT2_CORE_EXPORT_SYMBOL
#define EVENT2_CORE_EXPORT_SYMBOL EVENT2_EXPORT_SYMBOL
#endif

#endif /* EVENT2_VISIBILITY_H_INCLUDED_ */

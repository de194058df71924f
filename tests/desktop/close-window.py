"""Asks an X window to close, as a window manager does when its close button is clicked
(a WM_DELETE_WINDOW client message); the display in Xvfb has no window manager to do it."""
import sys

from Xlib import X, display, protocol


def main() -> None:
    screen = display.Display()
    window = screen.create_resource_object("window", int(sys.argv[1]))
    protocols = screen.intern_atom("WM_PROTOCOLS")
    delete = screen.intern_atom("WM_DELETE_WINDOW")
    message = protocol.event.ClientMessage(
        window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
    )
    window.send_event(message, event_mask=X.NoEventMask)
    screen.flush()


if __name__ == "__main__":
    main()

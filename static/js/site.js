/* What every page does: the site menu and wide tables on small screens.
 *
 * Below 768 px the menu folds behind the "Meny" button. Loaded in <head> so the class below is set before the page is first drawn: the CSS folds
 * the menu only under `html.js-menu`, so without JavaScript the menu simply stays open.
 * The button is a real <button> (Enter and Space work); Escape closes the menu and puts
 * the focus back on the button. No inline script or handler: the CSP stays strict.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js-menu");

  /* A table wider than the screen scrolls sideways in its .table-wrap: that box gets a
     tab stop and a name (the table's caption) so a keyboard can scroll it too (WCAG 2.1.1).
     Boxes that fit get neither, so wide screens keep their tab order. */
  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (caption) {
          if (!caption.id) { caption.id = "table-caption-" + Math.random().toString(36).slice(2, 10); }
          box.setAttribute("aria-labelledby", caption.id);
        } else {
          box.setAttribute("aria-label", document.documentElement.lang === "en" ? "Table" : "Tabell");
        }
        box.dataset.scrollable = "true";
      } else if (!scrolls && box.dataset.scrollable) {
        ["tabindex", "role", "aria-labelledby", "aria-label", "data-scrollable"].forEach(function (a) {
          box.removeAttribute(a);
        });
      }
    });
  }

  function init() {
    scrollableTables();
    var resizing = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(scrollableTables, 200);
    });
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }

    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") { return; }
      if (window.getComputedStyle(button).display === "none") { return; }
      setOpen(false);
      button.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

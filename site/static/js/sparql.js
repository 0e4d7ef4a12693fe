/* The SPARQL editor: YASGUI (served by this site) on /sparql, one tab per example query of
 * docs/queries. Without JavaScript, or if YASGUI cannot load, the plain form stays. */
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  var data = document.getElementById("exemples");
  if (!element || !window.Yasgui || !data) { return; }
  var examples = JSON.parse(data.textContent);
  var endpoint = element.dataset.endpoint;
  element.hidden = false;  // shown before YASGUI measures its editor
  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: true,
    autofocus: false
  });
  var blank = yasgui.getTab();
  examples.forEach(function (example, i) {
    yasgui.addTab(i === 0, { name: example.nom, yasqe: { value: example.requete } });
  });
  if (blank && examples.length) { blank.close(); }
  document.querySelectorAll(".sparql-sans-js").forEach(function (node) { node.hidden = true; });
})();

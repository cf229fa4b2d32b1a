#!/usr/bin/env node
// The package.json that ships differs from the repository's in one way: it has no `scripts`.
// Every script here needs the repository (lambda/ and cli/ sources, tsconfig files, scripts/),
// none of which ships, and the `prepare` script that bundles the handlers on `npm ci` would be
// listed by npm, on every install of the package, as an install script to review.
//
//   strip    (prepack, after the build): keeps package.json byte for byte in PACKED_ASIDE and
//            writes it without `scripts`; npm then packs that file, and since it names no
//            `prepare`, npm does not bundle the handlers a second time while packing.
//   restore  (postpack): moves the kept package.json back. npm runs postpack from the manifest it
//            read before prepack, so it runs although the stripped file has no scripts.
//   refuse-directory-publish (prepublishOnly): `npm publish` of the folder reads package.json
//            again after postpack and would send the registry the repository's scripts; publish
//            the packed tarball instead, whose manifest is the stripped one.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const manifest = path.join(root, 'package.json');
const PACKED_ASIDE = path.join(root, '.package.json.before-pack');

function strip() {
  if (fs.existsSync(PACKED_ASIDE)) {
    fail(`${path.basename(PACKED_ASIDE)} exists: an earlier npm pack stopped before postpack. It holds the repository's `
      + 'package.json; check it, move it over package.json (node scripts/pack-manifest.js restore), then pack again');
  }
  const text = fs.readFileSync(manifest, 'utf8');
  const packed = JSON.parse(text);
  delete packed.scripts;
  fs.writeFileSync(PACKED_ASIDE, text);
  fs.writeFileSync(manifest, `${JSON.stringify(packed, null, 2)}\n`);
}

function restore() {
  if (!fs.existsSync(PACKED_ASIDE)) {
    // Nothing was stripped (npm pack --ignore-scripts skips both lifecycle scripts).
    return;
  }
  fs.renameSync(PACKED_ASIDE, manifest);
}

function refuseDirectoryPublish() {
  const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  fail('publish the packed tarball, not this folder: npm publish of a folder sends the registry package.json as it is after '
    + `postpack, with the repository's scripts. Run: npm pack && npm publish ${name}-${version}.tgz`);
}

function fail(message) {
  console.error(`pack-manifest: ${message}`);
  process.exit(1);
}

const commands = { strip, restore, 'refuse-directory-publish': refuseDirectoryPublish };
const command = commands[process.argv[2]];
if (!command) {
  fail(`usage: node scripts/pack-manifest.js ${Object.keys(commands).join('|')}`);
}
command();

// jest's runtime, keeping V8's compiled code of each module for the next test file in the same
// worker. Every test file loads aws-cdk-lib and the library afresh, in a module registry of its
// own (the isolation stays: each file still runs every module's code in its own context); without
// the code cache V8 compiles the same modules again in each file, a tenth of the suite's time.
'use strict';
const vm = require('vm');
const Runtime = require('jest-runtime').default;

/** filename -> the source compiled and V8's code for it, once a test file has run it. */
const codeCache = new Map();

class CodeCachingRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const executor = this.executor;
    const parameters = executor.injectedModuleParameters.join(', ');
    const compiled = [];
    this.compiledScripts = compiled;
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      if (context == null) {
        return null;
      }
      const cached = codeCache.get(filename);
      // The wrapper's own line comes before the module's first: lineOffset keeps its line numbers.
      const script = new vm.Script(`(function (${parameters}) {\n${source}\n})`, {
        filename,
        lineOffset: -1,
        cachedData: cached && cached.source === source ? cached.data : undefined,
        importModuleDynamically: (specifier, _script, importAttributes) =>
          executor.dynamicImport(specifier, filename, context, importAttributes),
      });
      if (!cached || cached.source !== source || script.cachedDataRejected) {
        compiled.push({ filename, source, script });
      }
      return script.runInContext(context);
    };
  }

  teardown() {
    // After the file ran: V8's code then holds the functions compiled lazily, on their first call.
    for (const { filename, source, script } of this.compiledScripts) {
      codeCache.set(filename, { source, data: script.createCachedData() });
    }
    this.compiledScripts.length = 0;
    super.teardown();
  }
}

module.exports = CodeCachingRuntime;

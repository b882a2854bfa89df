// SPDX-License-Identifier: GPL-3.0-or-later
// The canvas geometry as a pure function: node order and placement, flow edges, parallel
// branches side by side, onFalse skip edges, and where a drop inserts.

#include "editor/canvaslayout.h"

#include <QTest>

using namespace vigil;
using namespace vigil::ui;

namespace {

QString S(const char *text) { return QString::fromUtf8(text); }

WorkflowDefinition definitionOf(const char *stepsJson)
{
    Json json { { "tenantId", "t" }, { "name", "w" }, { "triggerType", "x" }, { "steps", Json::parse(stepsJson) } };
    auto definition = fromJson<WorkflowDefinition>(json);
    Q_ASSERT(definition);
    return definition.value();
}

QString pathString(const std::optional<StepPath> &path) { return path ? path->toString() : S("end"); }

} // namespace

class TestCanvasLayout final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shapes_data();
    void shapes();
    void sequentialIsOneColumn();
    void branchesSideBySide();
    void skipEdges_data();
    void skipEdges();
    void dropInsertion_data();
    void dropInsertion();
    void problemPaths_data();
    void problemPaths();
};

void TestCanvasLayout::shapes_data()
{
    QTest::addColumn<QString>("steps");
    QTest::addColumn<int>("nodes"); // the trigger included
    QTest::addColumn<int>("flowEdges");
    QTest::addColumn<int>("skipEdges");
    QTest::newRow("empty") << S("[]") << 1 << 0 << 0;
    QTest::newRow("sequential") << S(R"([{"type":"action","name":"a"},{"type":"delay","name":"d","delayMs":5},{"type":"action","name":"b"}])")
                                << 4 << 3 << 0;
    // trigger->p, p->a, p->b, a->join, b->join, p->c
    QTest::newRow("parallel") << S(R"([{"type":"parallel","name":"p","branches":[[{"type":"action","name":"a"}],[{"type":"action","name":"b"}]]},
                                       {"type":"action","name":"c"}])")
                              << 5 << 6 << 0;
    QTest::newRow("skip") << S(R"([{"type":"condition","name":"c","onFalse":"skip"},{"type":"action","name":"a"},{"type":"action","name":"b"}])")
                          << 4 << 3 << 1;
    QTest::newRow("complete draws no skip") << S(R"([{"type":"condition","name":"c","onFalse":"complete"},{"type":"action","name":"a"}])")
                                            << 3 << 2 << 0;
}

void TestCanvasLayout::shapes()
{
    QFETCH(QString, steps);
    QFETCH(int, nodes);
    QFETCH(int, flowEdges);
    QFETCH(int, skipEdges);
    const CanvasLayout layout = layoutWorkflow(definitionOf(steps.toUtf8().constData()));
    QCOMPARE(int(layout.nodes.size()), nodes);
    QCOMPARE(layout.nodes.front().kind, LayoutNode::Kind::Trigger);
    const auto count = [&](LayoutEdge::Kind kind) {
        return int(std::count_if(layout.edges.begin(), layout.edges.end(), [&](const LayoutEdge &e) { return e.kind == kind; }));
    };
    QCOMPARE(count(LayoutEdge::Kind::Flow), flowEdges);
    QCOMPARE(count(LayoutEdge::Kind::SkipOnFalse), skipEdges);
    for (const LayoutNode &node : layout.nodes)
        QVERIFY(layout.bounds.contains(node.frame));
    // No two nodes overlap.
    for (size_t i = 0; i < layout.nodes.size(); ++i)
        for (size_t j = i + 1; j < layout.nodes.size(); ++j)
            QVERIFY2(!layout.nodes[i].rect.intersects(layout.nodes[j].rect), qPrintable(layout.nodes[j].path.toString()));
}

void TestCanvasLayout::sequentialIsOneColumn()
{
    const CanvasLayout layout = layoutWorkflow(definitionOf(R"([{"type":"action","name":"a"},{"type":"action","name":"b"},{"type":"action","name":"c"}])"));
    for (size_t i = 1; i < layout.nodes.size(); ++i) {
        QCOMPARE(layout.nodes[i].rect.center().x(), layout.nodes[0].rect.center().x());
        QVERIFY(layout.nodes[i].rect.top() > layout.nodes[i - 1].rect.bottom());
        QCOMPARE(layout.nodes[i].path, StepPath::top(int(i) - 1));
    }
    // Each flow edge runs from one node's bottom to the next one's top.
    const LayoutEdge &edge = layout.edges[1];
    QCOMPARE(edge.from, StepPath::top(0));
    QCOMPARE(edge.to, std::optional<StepPath>(StepPath::top(1)));
    QCOMPARE(edge.points.front().y(), layout.node(StepPath::top(0))->rect.bottom());
    QCOMPARE(edge.points.back().y(), layout.node(StepPath::top(1))->rect.top());
}

void TestCanvasLayout::branchesSideBySide()
{
    const CanvasLayout layout = layoutWorkflow(definitionOf(R"([
        {"type":"parallel","name":"p","branches":[[{"type":"action","name":"a"}],[{"type":"action","name":"b"},{"type":"action","name":"b2"}],[{"type":"action","name":"c"}]]},
        {"type":"action","name":"after"}])"));
    const StepPath p = StepPath::top(0);
    const LayoutNode *parallel = layout.node(p);
    const LayoutNode *a = layout.node(p.child(0, 0));
    const LayoutNode *b = layout.node(p.child(1, 0));
    const LayoutNode *b2 = layout.node(p.child(1, 1));
    const LayoutNode *c = layout.node(p.child(2, 0));
    const LayoutNode *after = layout.node(StepPath::top(1));
    QVERIFY(parallel && a && b && b2 && c && after);
    QCOMPARE(a->rect.top(), b->rect.top());
    QCOMPARE(b->rect.top(), c->rect.top());
    QVERIFY(a->rect.right() < b->rect.left());
    QVERIFY(b->rect.right() < c->rect.left());
    QCOMPARE(b2->rect.center().x(), b->rect.center().x());
    QVERIFY(b2->rect.top() > b->rect.bottom());
    QVERIFY(a->rect.top() > parallel->rect.bottom());
    // The frame holds every branch; the next step starts below the frame, centred under it.
    for (const LayoutNode *inner : { a, b, b2, c })
        QVERIFY(parallel->frame.contains(inner->rect));
    QVERIFY(after->rect.top() > parallel->frame.bottom());
    QCOMPARE(after->rect.center().x(), parallel->rect.center().x());
}

void TestCanvasLayout::skipEdges_data()
{
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to"); // "end": the end of the sequence
    QTest::newRow("skip one") << S(R"([{"type":"condition","name":"c","onFalse":"skip"},{"type":"action","name":"a"},{"type":"action","name":"b"}])")
                              << S("steps[0]") << S("steps[2]");
    QTest::newRow("skip two") << S(R"([{"type":"condition","name":"c","onFalse":2},{"type":"action","name":"a"},{"type":"action","name":"b"},{"type":"action","name":"d"}])")
                              << S("steps[0]") << S("steps[3]");
    QTest::newRow("skip to end") << S(R"([{"type":"action","name":"x"},{"type":"condition","name":"c","onFalse":"skip"},{"type":"action","name":"a"}])")
                                 << S("steps[1]") << S("end");
    QTest::newRow("inside a branch") << S(R"([{"type":"parallel","name":"p","branches":[[{"type":"condition","name":"c","onFalse":"skip"},{"type":"action","name":"a"},{"type":"action","name":"b"}],[{"type":"action","name":"z"}]]}])")
                                     << S("steps[0].branches[0][0]") << S("steps[0].branches[0][2]");
}

void TestCanvasLayout::skipEdges()
{
    QFETCH(QString, steps);
    QFETCH(QString, from);
    QFETCH(QString, to);
    const CanvasLayout layout = layoutWorkflow(definitionOf(steps.toUtf8().constData()));
    const auto skip = std::find_if(layout.edges.begin(), layout.edges.end(),
                                   [](const LayoutEdge &e) { return e.kind == LayoutEdge::Kind::SkipOnFalse; });
    QVERIFY(skip != layout.edges.end());
    QCOMPARE(skip->from.toString(), from);
    QCOMPARE(pathString(skip->to), to);
    const LayoutNode *condition = layout.node(skip->from);
    // It leaves the condition's right side, runs right of every skipped step, and ends lower.
    QCOMPARE(skip->points.front(), QPointF(condition->rect.right(), condition->rect.center().y()));
    const qreal lane = skip->points[1].x();
    QVERIFY(lane > condition->rect.right());
    const StepPath fromPath = *StepPath::fromProblemPath(from);
    const StepPath skipped = fromPath.withIndex(fromPath.index() + 1);
    QVERIFY(lane > layout.node(skipped)->frame.right());
    QVERIFY(skip->points.back().y() > layout.node(skipped)->rect.bottom());
    if (skip->to)
        QCOMPARE(skip->points.back(), QPointF(layout.node(*skip->to)->rect.right(), layout.node(*skip->to)->rect.center().y()));
}

void TestCanvasLayout::dropInsertion_data()
{
    // A drop halfway between the bottom of `upper` (its frame, for a parallel step; "" = the
    // trigger) and the top of `lower` inserts at `expected`.
    QTest::addColumn<QString>("upper");
    QTest::addColumn<QString>("lower");
    QTest::addColumn<QString>("expected");
    QTest::newRow("before the first") << S("") << S("steps[0]") << S("steps[0]");
    QTest::newRow("after a parallel step") << S("steps[1]") << S("steps[2]") << S("steps[2]");
    QTest::newRow("into a branch, first") << S("header:steps[1]") << S("steps[1].branches[1][0]") << S("steps[1].branches[1][0]");
    QTest::newRow("after the last") << S("steps[2]") << S("") << S("steps[3]");
}

void TestCanvasLayout::dropInsertion()
{
    QFETCH(QString, upper);
    QFETCH(QString, lower);
    QFETCH(QString, expected);
    const CanvasLayout layout = layoutWorkflow(definitionOf(R"([
        {"type":"action","name":"a"},
        {"type":"parallel","name":"p","branches":[[{"type":"action","name":"x"}],[{"type":"action","name":"y"}]]},
        {"type":"action","name":"b"}])"));
    qreal top = 0;
    if (upper.isEmpty())
        top = layout.nodes.front().rect.bottom();
    else if (upper.startsWith(S("header:")))
        top = layout.node(*StepPath::fromProblemPath(upper.mid(7)))->rect.bottom();
    else
        top = layout.node(*StepPath::fromProblemPath(upper))->frame.bottom();
    const LayoutNode *below = lower.isEmpty() ? nullptr : layout.node(*StepPath::fromProblemPath(lower));
    const qreal bottom = below ? below->rect.top() : top + 20;
    const qreal x = below ? below->rect.center().x() : layout.node(StepPath::top(2))->rect.center().x();
    QCOMPARE(pathString(layout.insertionAt(QPointF(x, (top + bottom) / 2))), expected);
}

void TestCanvasLayout::problemPaths_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<QString>("node");
    QTest::newRow("field") << S("steps[2].name") << S("steps[2]");
    QTest::newRow("nested") << S("steps[1].branches[0][3].config.title") << S("steps[1].branches[0][3]");
    QTest::newRow("empty branch names its parallel step") << S("steps[1].branches[2]") << S("steps[1]");
    QTest::newRow("definition") << S("triggerType") << S("none");
    QTest::newRow("steps") << S("steps") << S("none");
}

void TestCanvasLayout::problemPaths()
{
    QFETCH(QString, problem);
    QFETCH(QString, node);
    const auto path = StepPath::fromProblemPath(problem);
    QCOMPARE(path ? path->toString() : S("none"), node);
}

QTEST_MAIN(TestCanvasLayout)
#include "tst_canvaslayout.moc"
